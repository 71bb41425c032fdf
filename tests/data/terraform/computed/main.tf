variable "verb" {
  type = string
}

resource "aws_iam_role" "app" {
  name = "MyRole"
}

data "aws_iam_policy_document" "app" {
  source_policy_documents = var.extra_documents == null ? [] : var.extra_documents

  statement {
    actions   = ["s3:${var.verb}", "s3:List*"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "more" {
  dynamic "statement" {
    for_each = var.statements
    content {
      actions   = statement.value.actions
      resources = ["*"]
    }
  }

  statement {
    actions   = [for a in var.lambda_actions : "lambda:${a}"]
    resources = ["*"]
  }

  statement {
    actions = [
      "lambda:AddPermission",
      "lambda:Invoke*",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "app" {
  role   = aws_iam_role.app.name
  policy = data.aws_iam_policy_document.app.json
}

resource "aws_iam_role_policy" "more" {
  role   = aws_iam_role.app.name
  policy = data.aws_iam_policy_document.more.json
}

resource "aws_iam_role_policy" "templated" {
  role   = aws_iam_role.app.name
  policy = templatefile("${path.module}/policy.json.tpl", { bucket = var.bucket })
}
