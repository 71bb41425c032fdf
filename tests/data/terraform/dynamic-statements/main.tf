# Statements from a variable, as terraform-aws-modules/lambda's `policy_statements` and
# terraform-aws-modules/iam's `custom_policy_statements` build them.
variable "policy_statements" {
  description = "Map of statements: effect, actions, not_actions, resources, condition"
  type        = any
  default     = {}
}

variable "source_arn" {
  type = string
}

resource "aws_iam_role" "lambda" {
  name               = "MyRole"
  assume_role_policy = file("${path.module}/assume.json")
}

data "aws_iam_policy_document" "additional_inline" {
  dynamic "statement" {
    for_each = var.policy_statements

    content {
      sid           = try(statement.value.sid, replace(statement.key, "/[^0-9A-Za-z]*/", ""))
      effect        = try(statement.value.effect, null)
      actions       = try(statement.value.actions, null)
      not_actions   = try(statement.value.not_actions, null)
      resources     = try(statement.value.resources, null)
      not_resources = try(statement.value.not_resources, null)

      dynamic "condition" {
        for_each = try(statement.value.condition, [])
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }

  # A literal statement beside them is judged.
  statement {
    sid = "Manage"
    actions = [
      "lambda:AddPermission",
      "lambda:InvokeFunction",
    ]
    resources = ["*"]
  }

  # A literal statement whose conditions are dynamic: left alone.
  statement {
    sid     = "Deploy"
    actions = ["lambda:UpdateFunctionCode", "lambda:PublishVersion"]
    resources = [
      "arn:aws:lambda:us-east-1:123456789012:function:my-lambda",
    ]

    dynamic "condition" {
      for_each = var.source_arn == null ? [] : [var.source_arn]
      content {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_iam_role_policy" "additional_inline" {
  name   = "MyRole-inline"
  role   = aws_iam_role.lambda.name
  policy = data.aws_iam_policy_document.additional_inline.json
}
