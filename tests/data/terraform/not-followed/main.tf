variable "policy_file" {
  type = string
}

resource "aws_iam_role" "x" {
  name               = "MyRole"
  assume_role_policy = file(var.assume_file)
}

resource "aws_iam_role_policy" "from_var" {
  role   = aws_iam_role.x.name
  policy = file(var.policy_file)
}

resource "aws_iam_role_policy" "outside" {
  role   = aws_iam_role.x.name
  policy = file("${path.module}/../outside.json")
}

resource "aws_iam_role_policy" "absolute" {
  role   = aws_iam_role.x.name
  policy = templatefile("/etc/iam/policy.json.tpl", {})
}
