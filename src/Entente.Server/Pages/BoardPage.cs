using Microsoft.AspNetCore.Components;

namespace Entente.Server.Pages;

/// <summary>
/// A page that reads what it shows before it renders. A component whose <c>OnInitializedAsync</c> awaits is first
/// rendered with its data half loaded; a page instead loads everything in <see cref="LoadAsync"/>, which runs once its
/// parameters are set and before its first render, so the markup never sees a partial state. A
/// <see cref="PageNotFoundException"/> thrown there becomes a 404 (<see cref="PageEndpoints.NotFound"/>).
/// </summary>
public abstract class BoardPage : ComponentBase
{
    /// <summary>The request (static server rendering always has one).</summary>
    [CascadingParameter]
    protected HttpContext? Http { get; set; }

    /// <inheritdoc/>
    public override async Task SetParametersAsync(ParameterView parameters)
    {
        parameters.SetParameterProperties(this);
        await LoadAsync(Http?.RequestAborted ?? CancellationToken.None);
        await base.SetParametersAsync(ParameterView.Empty);
    }

    /// <summary>Reads what the page shows.</summary>
    protected abstract Task LoadAsync(CancellationToken cancellationToken);
}
