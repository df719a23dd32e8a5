-- 006: editors' security. A log of every login attempt (it drives the lockout and is shown
-- to editors), a stamp that changes with each password so open sessions of the old password
-- end, and who really ran a command-line import.

-- One row per login attempt, in the app or the command line. logged_at is UTC. account is
-- the name as typed (cut to 100 characters), also when no such account exists: failures are
-- counted per typed name, so a lock says nothing about whether the account exists.
-- outcome: success; failure (wrong name or password); locked (refused unchecked during a lock).
CREATE TABLE login_log (
    logged_at      TIMESTAMP NOT NULL,
    account        VARCHAR   NOT NULL,
    outcome        VARCHAR   NOT NULL CHECK (outcome IN ('success', 'failure', 'locked')),
    account_exists BOOLEAN   NOT NULL,
    channel        VARCHAR   NOT NULL CHECK (channel IN ('app', 'cli'))
);

-- Changes whenever the password is set: a session remembers the stamp it logged in with
-- and ends when the stored one differs (also when the account is removed and re-created).
ALTER TABLE app_user ADD COLUMN password_stamp VARCHAR;
UPDATE app_user SET password_stamp = CAST(uuid() AS VARCHAR);

-- The operating-system account that ran a command-line import (NULL for the app and for
-- older batches), and whether loaded_by was checked against an account's password (false
-- when the warehouse had no accounts yet, NULL for older batches).
ALTER TABLE source ADD COLUMN os_user VARCHAR;
ALTER TABLE source ADD COLUMN user_verified BOOLEAN;
