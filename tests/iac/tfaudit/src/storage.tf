resource "aws_s3_bucket" "site" {
  bucket = "example-site"
}

data "aws_iam_policy_document" "site" {
  statement { # expect: RESOURCE_PUBLIC
    sid       = "Public"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = data.aws_iam_policy_document.site.json
}

resource "aws_s3_bucket" "private" {
  bucket = "example-private"
}

resource "aws_s3_bucket_policy" "private" {
  bucket = aws_s3_bucket.private.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.reader.arn }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.private.arn}/*"
    }]
  })
}
