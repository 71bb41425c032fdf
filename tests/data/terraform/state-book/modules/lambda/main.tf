# A function module (called as module.lambda): AWS's Access Analyzer example as its role's policy.
variable "function_name" {
  type = string
}

resource "aws_iam_role" "this" {
  name               = "${var.function_name}-role"
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
      "lambda:AddPermission",
      "lambda:GetFunctionConfiguration",
      "lambda:UpdateFunctionConfiguration",
      "lambda:UpdateFunctionCode",
      "lambda:CreateFunction",
      "lambda:DeleteFunction",
      "lambda:ListVersionsByFunction",
      "lambda:GetFunction",
      "lambda:Invoke*", # the function's callers
    ]
    resources = ["arn:aws:lambda:us-east-1:123456789012:function:my-lambda"]
  }

  statement {
    effect    = "Allow"
    actions   = ["s3:Get*", "s3:List*"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "root"
  role   = aws_iam_role.this.name
  policy = data.aws_iam_policy_document.app.json
}
