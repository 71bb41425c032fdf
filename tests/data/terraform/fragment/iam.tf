# The role's name is made by Terraform: a [[bind]] fragment names it.
resource "aws_iam_role" "app" {
  name_prefix        = "app-"
  assume_role_policy = var.assume
}

resource "aws_iam_role_policy" "app" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:Get*"
      Resource = "*"
    }]
  })
}
