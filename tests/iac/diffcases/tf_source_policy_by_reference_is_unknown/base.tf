# Terraform source: policies written literally (jsonencode, heredoc, aws_iam_policy_document) are checked before
# a plan exists; references stay symbolic. A trailing "# expect: CODE" marks where parc must report CODE.
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "bucket" { # expect: IAC_UNCHECKED_VALUE
  statement {
    sid       = "Public"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.data.arn}/*"]
    principals { # expect: OPEN_TO_ANY_PRINCIPAL
      type        = "*"
      identifiers = ["*"]
    }
  }
  statement {
    sid       = "FromVpc"
    actions   = ["s3:PutObjectt"] # expect: INVALID_ACTION
    resources = ["${aws_s3_bucket.data.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.app.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceVpc"
      values   = [var.vpc_id]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  inline_policy {
    name = "pass"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = "*" # expect: PASS_ROLE_WITH_STAR_IN_RESOURCE
      }]
    })
  }
}

resource "aws_iam_policy" "deploy" {
  name   = "deploy"
  policy = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "NotAction": "iam:*",
      "Resource": "*"
    }
  ]
}
EOT
}

resource "aws_iam_role_policy" "logs" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.app.arn}:*"
    }]
  })
}

resource "aws_iam_user_policy" "dev" {
  user   = "dev"
  policy = file("${path.module}/dev.json") # expect: IAC_UNCHECKED_VALUE
}

resource "aws_iam_group_policy" "ops" {
  group = "ops"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ec2:DescribeInstances", Resource = "*" }]
  })
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = data.aws_iam_policy_document.bucket.json
}

resource "aws_sqs_queue_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  policy = jsonencode({ # expect: IAC_UNCHECKED_VALUE
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.jobs.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.events.arn } }
    }]
  })
}

resource "aws_sns_topic_policy" "events" {
  arn = aws_sns_topic.events.arn
  policy = jsonencode({ # expect: IAC_UNCHECKED_VALUE
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" } # expect: OPEN_TO_ANY_PRINCIPAL
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.events.arn
    }]
  })
}

resource "aws_kms_key" "main" {
  description = "main"
  policy = jsonencode({ # expect: IAC_UNCHECKED_VALUE
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Root"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_lambda_permission" "public" {
  statement_id  = "AllowAll"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.worker.function_name
  principal     = "*" # expect: OPEN_TO_ANY_PRINCIPAL
}

resource "aws_lambda_permission" "s3" {
  statement_id  = "FromS3"
  action        = "lambda:InvokeFunction"
  function_name = "worker"
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.data.arn
}
