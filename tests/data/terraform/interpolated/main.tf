variable "verb" {
  type    = string
  default = "Get"
}

variable "service" {
  type    = string
  default = "s3"
}

variable "extra_actions" {
  type    = list(string)
  default = []
}

variable "read_only" {
  type    = bool
  default = true
}

locals {
  prefix = "lambda"
}

resource "aws_iam_role" "app" {
  name = "MyRole"
}

# Every action below is only known once Terraform evaluates it: nothing is judged or edited.
data "aws_iam_policy_document" "app" {
  statement {
    sid       = "Verb"
    actions   = ["s3:${var.verb}Object", "s3:${var.verb}*"]
    resources = ["*"]
  }

  statement {
    sid       = "Service"
    actions   = ["${var.service}:GetObject"]
    resources = ["*"]
  }

  statement {
    sid       = "Format"
    actions   = [format("%s:InvokeFunction", local.prefix)]
    resources = ["*"]
  }

  statement {
    sid       = "Variable"
    actions   = var.extra_actions
    resources = ["*"]
  }

  statement {
    sid       = "Conditional"
    actions   = var.read_only ? ["lambda:GetFunction"] : ["lambda:*"]
    resources = ["*"]
  }

  statement {
    sid       = "Concat"
    actions   = concat(["lambda:GetFunction"], var.extra_actions)
    resources = ["*"]
  }

  # One interpolated entry seals its statement: the literal beside it is not judged either.
  statement {
    sid = "Partly"
    actions = [
      "lambda:AddPermission",
      "${local.prefix}:CreateFunction",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "app"
  role   = aws_iam_role.app.name
  policy = data.aws_iam_policy_document.app.json
}

# The effect from a variable.
resource "aws_iam_role_policy" "effect" {
  name = "effect"
  role = aws_iam_role.app.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = var.read_only ? "Deny" : "Allow"
      Action   = ["lambda:DeleteFunction"]
      Resource = "*"
    }]
  })
}
