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
      "Resource": "arn:aws:s3:::${bucket}/*"
    },
    {
      "Effect": "Allow",
      "Action": [
        "s3:${verb}",
        "lambda:AddPermission"
      ],
      "Resource": "*"
    }
  ]
}
