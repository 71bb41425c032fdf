variable "role_name" {
  type = string
}

variable "role" {
  type = object({ name = string })
}
