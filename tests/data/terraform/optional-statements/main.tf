# Optional pieces as terraform-aws-modules switch them on: a `dynamic "statement"` with a
# literal body and `for_each = var.x ? [1] : []`, and `dynamic "inline_policy"` over a map.
variable "attach_s3" {
  type    = bool
  default = true
}

variable "inline_policies" {
  description = "Name => policy JSON"
  type        = map(string)
  default     = {}
}

resource "aws_iam_role" "this" {
  name = "MyRole"

  dynamic "inline_policy" {
    for_each = var.inline_policies
    content {
      name   = inline_policy.key
      policy = inline_policy.value
    }
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "Always"
    actions   = ["lambda:InvokeFunction", "lambda:GetFunction"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.attach_s3 ? [1] : []
    content {
      sid       = "S3"
      actions   = ["s3:Get*"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "this"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
