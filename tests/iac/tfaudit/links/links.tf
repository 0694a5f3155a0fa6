# Every way Terraform links a principal to a policy, each by reference (parc audit --iac reads them as the export's
# AttachedManagedPolicies, *PolicyList, GroupList, PermissionsBoundary and InstanceProfileList).
resource "aws_iam_user" "dev" {
  name                 = "dev"
  permissions_boundary = aws_iam_policy.boundary.arn
}

resource "aws_iam_user" "ops" {
  name = "ops"
}

resource "aws_iam_group" "builders" {
  name = "builders"
}

resource "aws_iam_group" "readers" {
  name = "readers"
}

resource "aws_iam_policy" "boundary" {
  name   = "boundary"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}

resource "aws_iam_policy" "build" {
  name   = "build"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "codebuild:*", Resource = "*" }] })
}

resource "aws_iam_role" "app" {
  name                = "app"
  assume_role_policy  = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  managed_policy_arns = [aws_iam_policy.build.arn, "arn:aws:iam::111122223333:policy/literal"]

  inline_policy {
    name   = "logs"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "logs:PutLogEvents", Resource = "*" }] })
  }
}

resource "aws_iam_user_group_membership" "dev" {
  user   = aws_iam_user.dev.name
  groups = [aws_iam_group.builders.name, aws_iam_group.readers.name]
}

resource "aws_iam_group_membership" "readers" {
  name  = "readers"
  users = [aws_iam_user.ops.name]
  group = aws_iam_group.readers.name
}

resource "aws_iam_group_policy_attachment" "builders" {
  group      = aws_iam_group.builders.name
  policy_arn = aws_iam_policy.build.arn
}

resource "aws_iam_user_policy_attachment" "ops" {
  user       = aws_iam_user.ops.name
  policy_arn = aws_iam_policy.boundary.arn
}

resource "aws_iam_policy_attachment" "everyone" {
  name       = "everyone"
  users      = [aws_iam_user.dev.name]
  roles      = [aws_iam_role.app.name]
  groups     = [aws_iam_group.readers.name]
  policy_arn = aws_iam_policy.boundary.arn
}

resource "aws_iam_group_policy" "readers" {
  group  = aws_iam_group.readers.id
  name   = "read"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}

resource "aws_iam_instance_profile" "app" {
  name = "app"
  role = aws_iam_role.app.name
}
