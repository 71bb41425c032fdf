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
          "lambda:AddPermission",
          "lambda:GetFunctionConfiguration",
          "lambda:UpdateFunctionConfiguration",
          "lambda:UpdateFunctionCode",
          "lambda:CreateFunction",
          "lambda:DeleteFunction",
          "lambda:ListVersionsByFunction",
          "lambda:GetFunction",
          "lambda:Invoke*"
        ]
        Resource = "arn:aws:lambda:us-east-1:123456789012:function:my-lambda"
      },
      {
        "Effect"   = "Allow"
        "Action"   = ["s3:Get*", "s3:List*"] # quoted keys too
        "Resource" = "*"
      },
    ]
  })
}
