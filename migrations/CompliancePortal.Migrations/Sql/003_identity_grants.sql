-- Sign-in and roles (ASP.NET Core Identity) are managed by the portal through its own role.
GRANT SELECT, INSERT, UPDATE, DELETE ON
    "AspNetUsers", "AspNetRoles", "AspNetUserRoles", "AspNetUserClaims",
    "AspNetRoleClaims", "AspNetUserLogins", "AspNetUserTokens"
TO cp_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cp_app;
