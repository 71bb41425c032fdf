# A policy file loaded by a policy whose role has `name_prefix`: bound to the one role of the
# snapshot whose name fits.
resource "aws_iam_role" "app" {
  name_prefix        = "app-"
  assume_role_policy = file("${path.module}/assume.json")
}

resource "aws_iam_role_policy" "app" {
  role   = aws_iam_role.app.name
  policy = file("${path.module}/policy.json")
}
