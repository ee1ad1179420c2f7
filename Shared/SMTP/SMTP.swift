// The SMTP client arrives in the next commit.
