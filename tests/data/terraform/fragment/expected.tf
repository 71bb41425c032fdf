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
      Action   = [
        "s3:GetAccess*",
        "s3:GetAccountPublicAccessBlock",
        "s3:GetDataAccess",
        "s3:GetJobTagging",
        "s3:GetMulti*",
        "s3:GetObject*",
        "s3:GetStorage*"
      ]
      Resource = "*"
    }]
  })
}
