using Entente.Server.Board;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Entente.Server.Endpoints;

/// <summary>
/// A board refusal that reaches the host (a read of the board's state once the log has stopped, say) is answered as the
/// board's routes answer it, with its own status and ProblemDetails, not as a 500 that names nothing.
/// </summary>
internal sealed class BoardRefusalExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BoardRefusedException refused)
        {
            return false;
        }

        await BoardEndpoints.Problem(refused.Refusal).ExecuteAsync(httpContext);
        return true;
    }
}
