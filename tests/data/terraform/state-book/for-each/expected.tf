# AWS's Access Analyzer policy-recommendation example, as Terraform.
resource "aws_iam_role" "per_env" {
  for_each = toset(["blue", "green"])

  name               = "app-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "app" {
  statement {
    actions = [
      "lambda:Invoke*", # the function's callers
    ]
    resources = ["arn:aws:lambda:us-east-1:123456789012:function:my-lambda"]
  }

  statement {
    effect    = "Allow"
    actions   = ["s3:GetAccess*", "s3:GetAccountPublicAccessBlock", "s3:GetDataAccess", "s3:GetJobTagging", "s3:GetMulti*", "s3:GetObject*", "s3:GetStorage*", "s3:List*"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "app" {
  for_each = aws_iam_role.per_env

  name   = "root"
  role   = aws_iam_role.per_env[each.key].name
  policy = data.aws_iam_policy_document.app.json
}
