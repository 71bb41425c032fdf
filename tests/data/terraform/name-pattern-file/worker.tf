# Two roles of the snapshot end in `-worker`: the file it loads is bound to neither.
resource "aws_iam_role" "worker" {
  name               = "${var.env}-worker"
  assume_role_policy = file("${path.module}/assume.json")
}

resource "aws_iam_role_policy" "worker" {
  role   = aws_iam_role.worker.name
  policy = file("${path.module}/worker.json")
}
