# The caller creates the role and hands it to a child module that writes its policy, and passes
# statements to a registry module (terraform-aws-modules/lambda's `policy_statements`).
resource "aws_iam_role" "app" {
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

module "app_policy" {
  source = "./modules/policy"

  role_name = aws_iam_role.app.name
  bucket    = "my-bucket"
}

# A document of the caller passed to a module: whom it reaches, the module decides.
data "aws_iam_policy_document" "lambda_extra" {
  statement {
    actions   = ["sqs:SendMessage", "sqs:GetQueueUrl"]
    resources = ["arn:aws:sqs:us-east-1:123456789012:jobs"]
  }
}

module "lambda" {
  source  = "terraform-aws-modules/lambda/aws"
  version = "~> 7.0"

  function_name = "my-lambda"
  handler       = "index.handler"
  runtime       = "python3.12"

  attach_policy_json = true
  policy_json        = data.aws_iam_policy_document.lambda_extra.json

  attach_policy_statements = true
  policy_statements = {
    dynamodb = {
      effect    = "Allow"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
      resources = ["arn:aws:dynamodb:us-east-1:123456789012:table/jobs"]
    }
    s3_read = {
      actions   = ["s3:Get*"]
      resources = ["arn:aws:s3:::my-bucket/*"]
    }
  }
}
