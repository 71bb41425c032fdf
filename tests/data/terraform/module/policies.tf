# The role and its attachment are in roles.tf, in the same module.
data "aws_iam_policy_document" "app" {
  statement {
    actions   = ["s3:Get*"]
    resources = ["*"]
  }
}
