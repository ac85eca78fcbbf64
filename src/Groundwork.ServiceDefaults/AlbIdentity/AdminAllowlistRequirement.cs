using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace Groundwork.ServiceDefaults.AlbIdentity;

/// <summary>The user's email is on the admin allowlist (by address or by domain).</summary>
internal sealed class AdminAllowlistRequirement : IAuthorizationRequirement;

internal sealed class AdminAllowlistHandler(AdminAllowlist allowlist) : AuthorizationHandler<AdminAllowlistRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminAllowlistRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated == true && allowlist.Allows(context.User.FindFirstValue(ClaimTypes.Email)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
