# Roles named by Terraform (`name_prefix`) or by interpolation: bound to the one role of the
# snapshot whose name fits, else to none.
resource "aws_iam_role" "app" {
  name_prefix        = "app-"
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
      "lambda:Invoke*",
    ]
    resources = ["arn:aws:lambda:us-east-1:123456789012:function:my-lambda"]
  }

  statement {
    actions   = ["s3:GetAccess*", "s3:GetAccountPublicAccessBlock", "s3:GetDataAccess", "s3:GetJobTagging", "s3:GetMulti*", "s3:GetObject*", "s3:GetStorage*", "s3:List*"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "root"
  role   = aws_iam_role.app.name
  policy = data.aws_iam_policy_document.app.json
}

# One role of the snapshot ends in `-api`.
resource "aws_iam_role" "api" {
  name               = "${var.env}-api"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "api" {
  role = aws_iam_role.api.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction"]
      Resource = "*"
    }]
  })
}

# Two roles of the snapshot end in `-worker`: bound to neither.
resource "aws_iam_role" "worker" {
  name               = "${var.env}-worker"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "worker" {
  role = aws_iam_role.worker.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["lambda:GetFunction", "lambda:InvokeFunction"]
      Resource = "*"
    }]
  })
}

# No role of the snapshot starts with `batch-`: bound to none.
resource "aws_iam_role" "batch" {
  name               = "batch-${local.suffix}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "batch" {
  role = aws_iam_role.batch.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["lambda:GetFunction", "lambda:InvokeFunction"]
      Resource = "*"
    }]
  })
}

# Two roles (`count`) named by one prefix: no one name fits them, whatever the snapshot holds.
resource "aws_iam_role" "jobs" {
  count              = 2
  name_prefix        = "app-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "jobs" {
  count = 2
  role  = aws_iam_role.jobs[count.index].name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["lambda:GetFunction", "lambda:InvokeFunction"]
      Resource = "*"
    }]
  })
}
