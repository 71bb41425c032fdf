# Heredoc policies in the styles older modules and the Terraform docs use.
variable "bucket" {
  type    = string
  default = "my-bucket"
}

variable "verb" {
  type    = string
  default = "GetObject"
}

resource "aws_iam_role" "app" {
  name = "MyRole"

  assume_role_policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Action": "sts:AssumeRole",
      "Principal": { "Service": "lambda.amazonaws.com" },
      "Effect": "Allow"
    }
  ]
}
EOF

  # An indented heredoc (`<<-`), its JSON indented with the block.
  inline_policy {
    name = "functions"

    policy = <<-EOT
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Sid": "Functions",
            "Effect": "Allow",
            "Action": [
              "lambda:InvokeFunction"
            ],
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my-lambda"
          }
        ]
      }
    EOT
  }
}

# A managed policy in a heredoc, its resource interpolated: the actions are still judged.
resource "aws_iam_policy" "objects" {
  name        = "objects"
  description = "Read the bucket"

  policy = <<POLICY
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Objects",
      "Effect": "Allow",
      "Action": [
        "s3:GetAccess*",
        "s3:GetAccountPublicAccessBlock",
        "s3:GetDataAccess",
        "s3:GetJobTagging",
        "s3:GetMulti*",
        "s3:GetObject*",
        "s3:GetStorage*"
      ],
      "Resource": [
        "arn:aws:s3:::${var.bucket}",
        "arn:aws:s3:::${var.bucket}/*"
      ]
    }
  ]
}
POLICY
}

resource "aws_iam_role_policy_attachment" "objects" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.objects.arn
}

# An interpolated action: that statement is not judged, the other one is.
resource "aws_iam_role_policy" "templated" {
  name = "templated"
  role = aws_iam_role.app.id

  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:${var.verb}", "s3:ListBucket"],
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": ["lambda:InvokeFunction"],
      "Resource": "*"
    }
  ]
}
EOF
}

# A template directive: only Terraform can render it.
resource "aws_iam_role_policy" "directive" {
  name = "directive"
  role = aws_iam_role.app.id

  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
%{ for bucket in ["a", "b"] ~}
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject"],
      "Resource": "arn:aws:s3:::${bucket}/*"
    },
%{ endfor ~}
    {
      "Effect": "Allow",
      "Action": ["lambda:UpdateFunctionCode"],
      "Resource": "*"
    }
  ]
}
EOF
}
