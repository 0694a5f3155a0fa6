# Shared by the Action's steps (validate-changed.sh, diff-changed.sh): which files are templates.

is_hidden() {
  # a file under a hidden folder (.github ...)
  case "/$1" in */.*) return 0 ;; esac
  return 1
}

is_template() {
  # a .tf file, a Terraform plan (terraform show -json), or a YAML/JSON file with CloudFormation's top-level keys
  # (a workflow or compose file is not one)
  case "$1" in
    *.tf) return 0 ;;
  esac
  grep -qE '^(Resources|AWSTemplateFormatVersion)[[:space:]]*:|"(Resources|AWSTemplateFormatVersion|format_version)"[[:space:]]*:' "$1"
}

template_kind() {
  case "$1" in
    *.tf) echo terraform; return ;;
  esac
  if grep -qE '"format_version"[[:space:]]*:' "$1" && ! grep -qE '"(Resources|AWSTemplateFormatVersion)"[[:space:]]*:' "$1"; then
    echo terraform
  else
    echo cloudformation
  fi
}

empty_template() {
  # $1 kind, $2 the head file: an empty template of the same kind
  case "$1:$2" in
    terraform:*.tf) : ;;
    terraform:*) echo '{"format_version": "1.2", "planned_values": {"root_module": {}}}' ;;
    *) echo '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}' ;;
  esac
}

empty_sarif_at() {
  printf '%s\n' '{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [{"tool": {"driver": {"name": "parc", "rules": []}}, "results": []}]}' > "$1"
}
