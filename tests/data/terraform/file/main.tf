resource "aws_iam_role" "x" {
  name               = "MyRole"
  assume_role_policy = file("${path.module}/assume.json")
}

resource "aws_iam_role_policy" "app" {
  name   = "root"
  role   = aws_iam_role.x.name
  policy = file("policy.json")
}
