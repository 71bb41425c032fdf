variable "bucket" {
  type = string
}

variable "verb" {
  type = string
}

resource "aws_iam_role" "x" {
  name               = "MyRole"
  assume_role_policy = file("${path.module}/assume.json")

  inline_policy {
    name = "root"
    policy = templatefile("${path.module}/app.json.tpl", {
      bucket = var.bucket
      verb   = var.verb
    })
  }
}
