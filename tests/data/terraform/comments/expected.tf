/*
 * The role of the function, as `terraform fmt` lays it out, with the comments people write
 * next to their actions: `#`, `//` and block comments, before, after and between entries.
 */
resource "aws_iam_role" "app" {
  name = "MyRole" // the snapshot's role
}

data "aws_iam_policy_document" "app" {
  # Functions the app manages.
  statement {
    sid    = "Functions" # keep the sid
    effect = "Allow"
    actions = [
      # Read
      "lambda:InvokeFunction",            /* used */
    ]
    resources = ["arn:aws:lambda:us-east-1:123456789012:function:my-lambda"] # one function
  }

  // Read the bucket.
  statement {
    sid = "Bucket"
    actions = [
      "s3:ListBucket", /* list */
      "s3:GetAccess*",
      "s3:GetAccountPublicAccessBlock",
      "s3:GetDataAccess",
      "s3:GetJobTagging",
      "s3:GetMulti*",
      "s3:GetObject*",
      "s3:GetStorage*"        # narrowed
    ]
    resources = ["*"]
  }

  /* Entries on one line, a comment between them. */
  statement {
    sid       = "Inline"
    actions   = ["lambda:ListFunctions"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "app"                                   # the policy's name
  role   = aws_iam_role.app.name                   # the role above
  policy = data.aws_iam_policy_document.app.json   # the document above
}

resource "aws_iam_role_policy" "encoded" {
  name = "encoded"
  role = aws_iam_role.app.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = [
          "lambda:ListTags",       // used
        ]
        Resource = "*"
      },
      # All unused: the statement goes.
    ]
  })
}
