# A .tf set read as the account it would make (parc audit --iac): a trailing "# expect: RULE" marks the line where
# the audit must report RULE. The role's name and the policy's ARN are known only after apply: the attachment is
# linked by its references.
data "aws_iam_policy_document" "trust" {
  statement { # expect: ROLE_CROSS_ACCOUNT
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::444455556666:root"]
    }
  }
}

resource "aws_iam_role" "deployer" {
  name_prefix        = "deployer-"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

resource "aws_iam_policy" "escalate" {
  name_prefix = "escalate-"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ # expect: ESCALATION_PATH
      Effect   = "Allow"
      Action   = "iam:AttachRolePolicy"
      Resource = "*"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "deployer_escalate" {
  role       = aws_iam_role.deployer.name
  policy_arn = aws_iam_policy.escalate.arn
}

resource "aws_iam_role" "reader" {
  name               = "reader"
  assume_role_policy = jsonencode({ # expect: ROLE_SERVICE_TRUST_NO_SOURCE
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_instance_profile" "reader" {
  name = "reader"
  role = aws_iam_role.reader.name
}
