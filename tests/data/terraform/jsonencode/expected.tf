resource "aws_iam_role" "app" {
  name = "MyRole"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

// The example's policy, as HCL: bare keys, aligned.
resource "aws_iam_role_policy" "app" {
  name = "root"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = [
          "lambda:Invoke*"
        ]
        Resource = "arn:aws:lambda:us-east-1:123456789012:function:my-lambda"
      },
      {
        "Effect"   = "Allow"
        "Action"   = ["s3:GetAccess*", "s3:GetAccountPublicAccessBlock", "s3:GetDataAccess", "s3:GetJobTagging", "s3:GetMulti*", "s3:GetObject*", "s3:GetStorage*", "s3:List*"] # quoted keys too
        "Resource" = "*"
      },
    ]
  })
}
