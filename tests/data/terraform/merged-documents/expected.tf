# Documents merged into one, as terraform-aws-modules/lambda and eks do: `source_policy_documents`
# and `override_policy_documents` (Terraform merges them by `sid`). A merged document reaches the
# roles the merging one reaches: judged and fixed by their evidence; the merging one's own
# statements are left alone (an override may replace them).
variable "extra_policy_json" {
  type    = string
  default = null
}

resource "aws_iam_role" "this" {
  name               = "MyRole"
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

data "aws_iam_policy_document" "base" {
  statement {
    sid = "Functions"
    actions = [
      "lambda:InvokeFunction",
    ]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "objects" {
  statement {
    sid       = "Objects"
    actions   = ["s3:GetAccess*", "s3:GetAccountPublicAccessBlock", "s3:GetDataAccess", "s3:GetJobTagging", "s3:GetMulti*", "s3:GetObject*", "s3:GetStorage*"]
    resources = ["arn:aws:s3:::my-bucket/*"]
  }
}

# Only merges: nothing of its own.
data "aws_iam_policy_document" "combined" {
  source_policy_documents = compact([
    data.aws_iam_policy_document.base.json,
    data.aws_iam_policy_document.objects.json,
    var.extra_policy_json,
  ])
}

# Merges and statements of its own: those are merged too (an override may replace one by `sid`).
data "aws_iam_policy_document" "overridden" {
  override_policy_documents = [data.aws_iam_policy_document.objects.json]

  statement {
    sid       = "Objects"
    actions   = ["s3:GetObject", "s3:GetBucketAcl"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "combined" {
  name   = "combined"
  role   = aws_iam_role.this.name
  policy = data.aws_iam_policy_document.combined.json
}

resource "aws_iam_role_policy" "overridden" {
  name   = "overridden"
  role   = aws_iam_role.this.name
  policy = data.aws_iam_policy_document.overridden.minified_json
}

# Merged into a document that a managed policy carries, attached to the role.
data "aws_iam_policy_document" "managed_base" {
  statement {
    actions   = ["lambda:ListFunctions"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "managed" {
  source_policy_documents = [data.aws_iam_policy_document.managed_base.json]
}

resource "aws_iam_policy" "managed" {
  name   = "managed"
  policy = data.aws_iam_policy_document.managed.json
}

resource "aws_iam_role_policy_attachment" "managed" {
  role       = aws_iam_role.this.name
  policy_arn = aws_iam_policy.managed.arn
}

# Merged into a document nobody attaches: bound to nothing.
data "aws_iam_policy_document" "orphan_base" {
  statement {
    actions   = ["lambda:GetFunction"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "orphan" {
  source_policy_documents = [data.aws_iam_policy_document.orphan_base.json]
}
