variable "role_name" {
  description = "The application role's name (MyRole in production)"
  type        = string
}
