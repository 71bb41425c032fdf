# Conditions, `not_actions` and `not_resources`, and documents with principals (resource
# policies: a bucket's, a key's, a queue's), as modules of buckets, keys and queues write them.
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

data "aws_iam_policy_document" "app" {
  statement {
    sid     = "ReadTagged"
    actions = ["s3:GetObject"]
    resources = [
      "arn:aws:s3:::my-bucket",
      "arn:aws:s3:::my-bucket/*",
    ]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/team"
      values   = ["platform"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = ["us-east-1", "eu-west-1"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }

  # Everything but s3: the unused lambda actions can only be added to `not_actions` (unsafe).
  statement {
    sid           = "AllButS3"
    effect        = "Allow"
    not_actions   = ["s3:*"]
    not_resources = ["arn:aws:lambda:*:*:function:protected-*"]
  }

  statement {
    sid       = "NoDeletes"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "lambda:DeleteFunction"]
    resources = ["*"]

    condition {
      test     = "StringNotEquals"
      variable = "aws:PrincipalTag/role"
      values   = ["admin"]
    }
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "app"
  role   = aws_iam_role.app.name
  policy = data.aws_iam_policy_document.app.json
}

# A bucket policy: statements with principals, never judged against a role's findings.
data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "AllowRole"
    actions = ["s3:GetObject", "s3:GetBucketAcl"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.app.arn]
    }
    resources = ["arn:aws:s3:::my-bucket/*"]
  }

  statement {
    sid     = "DenyInsecure"
    effect  = "Deny"
    actions = ["s3:*"]
    not_principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:root"]
    }
    resources = ["arn:aws:s3:::my-bucket/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = "my-bucket"
  policy = data.aws_iam_policy_document.bucket.json
}

# A queue policy in jsonencode: not an identity policy resource, so not read.
resource "aws_sqs_queue_policy" "this" {
  queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "s3.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = "arn:aws:sqs:us-east-1:123456789012:jobs"
    }]
  })
}
