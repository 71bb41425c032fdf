# The child module: the role is the caller's, known here only as `var.role_name`.
data "aws_iam_policy_document" "this" {
  statement {
    sid = "Functions"
    actions = [
      "lambda:InvokeFunction",
    ]
    resources = ["*"]
  }

  statement {
    sid     = "Objects"
    actions = ["s3:GetAccess*", "s3:GetAccountPublicAccessBlock", "s3:GetDataAccess", "s3:GetJobTagging", "s3:GetMulti*", "s3:GetObject*", "s3:GetStorage*", "s3:ListBucket"]
    resources = [
      "arn:aws:s3:::${var.bucket}",
      "arn:aws:s3:::${var.bucket}/*",
    ]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.role_name}-policy"
  role   = var.role_name
  policy = data.aws_iam_policy_document.this.json
}
