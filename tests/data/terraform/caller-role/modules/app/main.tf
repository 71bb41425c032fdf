# A module that writes policies for roles its caller creates: `var.role_name` and an object
# variable `var.role`.
data "aws_iam_policy_document" "read" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::my-bucket/*"]
  }
}

resource "aws_iam_policy" "read" {
  name   = "read"
  policy = data.aws_iam_policy_document.read.json
}

resource "aws_iam_role_policy_attachment" "read" {
  role       = var.role_name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_role_policy" "functions" {
  role = var.role.name
  policy = jsonencode({
    Statement = [{
      Effect   = "Allow"
      Action   = ["lambda:GetFunction"]
      Resource = "*"
    }]
  })
}
