# Roles from a map, as terraform-aws-modules/iam's iam-assumable-roles and many in-house
# modules write them: one role, one managed policy and one attachment per map entry.
variable "roles" {
  description = "Role name => the actions it may call"
  type = map(object({
    actions   = list(string)
    resources = list(string)
  }))
  default = {
    reader = {
      actions   = ["s3:GetObject", "s3:ListBucket"]
      resources = ["*"]
    }
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = var.roles

  name               = each.key
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "this" {
  for_each = var.roles

  statement {
    actions   = each.value.actions
    resources = each.value.resources
  }
}

resource "aws_iam_policy" "this" {
  for_each = var.roles

  name   = "${each.key}-policy"
  policy = data.aws_iam_policy_document.this[each.key].json
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = var.roles

  role       = aws_iam_role.this[each.key].name
  policy_arn = aws_iam_policy.this[each.key].arn
}

# The same policy for every role of the map: its roles' names are the map's keys.
data "aws_iam_policy_document" "logs" {
  statement {
    sid = "Logs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = ["arn:aws:logs:*:*:*"]
  }
}

resource "aws_iam_role_policy" "logs" {
  for_each = aws_iam_role.this

  name   = "logs"
  role   = each.value.name
  policy = data.aws_iam_policy_document.logs.json
}

# One role outside the map, with a literal name: bound to the snapshot's MyRole.
resource "aws_iam_role" "app" {
  name               = "MyRole"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "app" {
  statement {
    sid = "Functions"
    actions = [
      "lambda:InvokeFunction",
    ]
    resources = ["arn:aws:lambda:us-east-1:123456789012:function:my-lambda"]
  }

  statement {
    sid       = "Objects"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "app" {
  for_each = toset(["app"])

  name   = each.key
  role   = aws_iam_role.app.id
  policy = data.aws_iam_policy_document.app.json
}
