namespace Entente.Server.Auth;

/// <summary>
/// The names a board answers to, as the <c>@authority</c> of a request signature (RFC 9421 §2.2.3: the host, lowercase,
/// with the port unless it is the scheme's default): each address it listens on (<c>localhost</c> and the wildcard
/// addresses also as <c>localhost</c>, <c>127.0.0.1</c> and <c>[::1]</c>), plus the configured names. A board behind a
/// proxy or listening on every interface lists the names its clients use in <c>authorities</c>.
/// </summary>
public static class BoardAuthorities
{
    /// <summary>The authorities of <paramref name="listening"/> (Kestrel's addresses) and <paramref name="configured"/>.</summary>
    public static IReadOnlySet<string> From(IEnumerable<string> listening, IEnumerable<string> configured)
    {
        ArgumentNullException.ThrowIfNull(listening);
        ArgumentNullException.ThrowIfNull(configured);
        HashSet<string> names = new(StringComparer.Ordinal);
        foreach (string address in listening)
        {
            if (!Uri.TryCreate(address.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out Uri? uri))
            {
                continue;
            }

            string host = uri.Host.ToLowerInvariant();
            bool isDefaultPort = (uri.Scheme == Uri.UriSchemeHttp && uri.Port == 80) || (uri.Scheme == Uri.UriSchemeHttps && uri.Port == 443);
            string[] hosts = host is "localhost" or "0.0.0.0" or "[::]"
                ? ["localhost", "127.0.0.1", "[::1]"]
                : [host];
            foreach (string h in hosts)
            {
                names.Add($"{h}:{uri.Port}");
                if (isDefaultPort)
                {
                    names.Add(h);
                }
            }
        }

        foreach (string name in configured)
        {
            if (!string.IsNullOrWhiteSpace(name))
            {
                names.Add(name.Trim().ToLowerInvariant());
            }
        }

        return names;
    }
}
