using Entente.Server;
using Entente.Server.Log;

// entente-server log CONFIG.json [URLS] | witness CONFIG.json [URLS]
if (args.Length < 2 || args[0] is not ("log" or "witness"))
{
    Console.Error.WriteLine("usage: Entente.Server log|witness CONFIG.json [http://127.0.0.1:8080]");
    return 2;
}

string urls = args.Length > 2 ? args[2] : "http://127.0.0.1:8080";
WebApplication app = args[0] == "log"
    ? await ServerApp.BuildLogAsync(LogServerOptions.Load(args[1]), urls)
    : await ServerApp.BuildWitnessAsync(WitnessServerOptions.Load(args[1]), urls);
await app.RunAsync();
return 0;
