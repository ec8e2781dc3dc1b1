-- A user's own host limit (issue 17: `semaphore user set EMAIL --max-hosts N`), for an account that watches
-- more than the server's --max-hosts-per-user allows every new sign-up. NULL: the server's default applies.
ALTER TABLE users ADD COLUMN max_hosts INTEGER CHECK (max_hosts IS NULL OR max_hosts >= 0);
