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

# A managed policy, from a document, attached to the role.
data "aws_iam_policy_document" "s3" {
  statement {
    sid       = "Read"
    actions   = ["s3:Get*", "s3:List*"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "s3" {
  name   = "s3-read"
  policy = data.aws_iam_policy_document.s3.json
}

resource "aws_iam_role_policy_attachment" "s3" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.s3.arn
}

# Also attached to a user: evidence for the role cannot judge the user's use.
resource "aws_iam_policy" "shared" {
  name = "shared"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:Get*"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "shared" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.shared.arn
}

resource "aws_iam_user_policy_attachment" "shared" {
  user       = "deploy"
  policy_arn = aws_iam_policy.shared.arn
}
