resource "aws_iam_role_policy" "app" {
  role = "MyRole"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = ["s3:Get*"] }
  })
}
