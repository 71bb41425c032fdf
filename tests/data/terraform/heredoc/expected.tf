resource "aws_iam_role" "app" {
  name               = "MyRole"
  assume_role_policy = file("${path.module}/assume.json")
}

resource "aws_iam_role_policy" "app" {
  name   = "root"
  role   = aws_iam_role.app.name
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "lambda:Invoke*"
      ],
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my-lambda"
    },
    {
      "Effect": "Allow",
      "Action": [
        "s3:GetAccess*",
        "s3:GetAccountPublicAccessBlock",
        "s3:GetDataAccess",
        "s3:GetJobTagging",
        "s3:GetMulti*",
        "s3:GetObject*",
        "s3:GetStorage*",
        "s3:List*"
      ],
      "Resource": "${aws_s3_bucket.data.arn}/*"
    }
  ]
}
EOF
}
