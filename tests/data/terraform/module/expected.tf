# The role and its attachment are in roles.tf, in the same module.
data "aws_iam_policy_document" "app" {
  statement {
    actions   = ["s3:GetAccess*", "s3:GetAccountPublicAccessBlock", "s3:GetDataAccess", "s3:GetJobTagging", "s3:GetMulti*", "s3:GetObject*", "s3:GetStorage*"]
    resources = ["*"]
  }
}
