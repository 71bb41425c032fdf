# Documents merged into one, as terraform-aws-modules/lambda and eks do: `source_policy_documents`
# and `override_policy_documents` (Terraform merges them by `sid`). A merged document reaches the
# roles the merging one reaches: judged and fixed by their evidence. The merging one's own
# statements are judged too, except one an override replaces (or may replace) by its `sid`.
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
      "lambda:GetFunction",
      "lambda:InvokeFunction",
    ]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "objects" {
  statement {
    sid       = "Objects"
    actions   = ["s3:Get*"]
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

# Merges and statements of its own: the override replaces `Objects` (left alone); `Deploy` and
# the statement without a `sid` stay in the merged document (judged).
data "aws_iam_policy_document" "overridden" {
  override_policy_documents = [data.aws_iam_policy_document.objects.json]

  statement {
    sid       = "Objects"
    actions   = ["s3:GetObject", "s3:GetBucketAcl"]
    resources = ["*"]
  }

  statement {
    sid       = "Deploy"
    actions   = ["lambda:UpdateFunctionCode", "lambda:InvokeFunction"]
    resources = ["*"]
  }

  statement {
    actions   = ["lambda:DeleteFunction", "lambda:InvokeFunction"]
    resources = ["*"]
  }
}

# Sources only: its own `Functions` replaces base's, and is judged.
data "aws_iam_policy_document" "layered" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]

  statement {
    sid     = "Functions"
    actions = ["lambda:GetFunctionConfiguration", "lambda:InvokeFunction"]
  }
}

# An override the module does not show: a statement with a `sid` may be replaced (left alone);
# one without is kept (judged).
data "aws_iam_policy_document" "open" {
  override_policy_documents = compact([var.extra_policy_json])

  statement {
    sid     = "Maybe"
    actions = ["lambda:CreateFunction"]
  }

  statement {
    actions = ["lambda:AddPermission", "lambda:InvokeFunction"]
  }
}

resource "aws_iam_role_policy" "layered" {
  name   = "layered"
  role   = aws_iam_role.this.name
  policy = data.aws_iam_policy_document.layered.json
}

resource "aws_iam_role_policy" "open" {
  name   = "open"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.open.json
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
    actions   = ["lambda:ListVersionsByFunction", "lambda:ListFunctions"]
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
