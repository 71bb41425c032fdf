variable "role_name" {
  description = "The role the policy is attached to (created by the caller)"
  type        = string
}

variable "bucket" {
  description = "The bucket the role reads"
  type        = string
}
