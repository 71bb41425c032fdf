resource "aws_iam_role" "x" {
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

resource "aws_iam_policy" "app" {
  name   = "app"
  policy = file("${path.module}/policies/app.json")
}

resource "aws_iam_role_policy_attachment" "app" {
  role       = aws_iam_role.x.name
  policy_arn = aws_iam_policy.app.arn
}
