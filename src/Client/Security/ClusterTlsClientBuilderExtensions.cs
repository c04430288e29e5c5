using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;

namespace OrleansAio.Client.Security;

/// <summary>A <c>Cluster:Tls</c> setting of an Orleans client that is wrong; the message names the key and the problem.</summary>
public sealed class ClusterTlsConfigurationException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="setting">The key at fault, for instance <c>Cluster:Tls:CaFile</c>.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ClusterTlsConfigurationException(string setting, string problem, Exception? innerException = null)
        : base($"{setting}: {problem}", innerException)
    {
        Setting = setting;
        Problem = problem;
    }

    /// <summary>The key at fault.</summary>
    public string Setting { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}

/// <summary>Connects an Orleans client to TLS gateways with the same <c>Cluster:Tls</c> settings as the silos.</summary>
public static class ClusterTlsClientBuilderExtensions
{
    /// <summary>
    /// Reads <see cref="ClusterTlsOptions"/> from the client's configuration section <c>Cluster:Tls</c> (then
    /// <paramref name="configure"/>) and, when <c>Enabled</c>, makes every gateway connection TLS: the gateway's certificate must
    /// chain to <c>CaFile</c>, and the client presents <c>CertFile</c> when one is set. Nothing changes when TLS is not enabled.
    /// </summary>
    /// <param name="client">The client builder.</param>
    /// <param name="configure">Changes the options after the configuration; optional.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ClusterTlsConfigurationException">A setting is wrong (missing file, wrong password...), naming the key.</exception>
    public static IClientBuilder UseAioClusterTls(this IClientBuilder client, Action<ClusterTlsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var options = new ClusterTlsOptions();
        client.Configuration.GetSection(ClusterTlsOptions.SectionName).Bind(options);
        configure?.Invoke(options);
        return client.UseAioClusterTls(options);
    }

    /// <summary>Makes every gateway connection of the client TLS with <paramref name="options"/> (see the other overload).</summary>
    /// <param name="client">The client builder.</param>
    /// <param name="options">The options; nothing changes when <see cref="ClusterTlsOptions.Enabled"/> is false.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ClusterTlsConfigurationException">A setting is wrong, naming the key.</exception>
    public static IClientBuilder UseAioClusterTls(this IClientBuilder client, ClusterTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ClusterTlsCredentials? credentials;
        try
        {
            credentials = options.Load(silo: false);
        }
        catch (ArgumentException ex)
        {
            var message = ex.Message;
            var parameter = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
            throw new ClusterTlsConfigurationException($"{ClusterTlsOptions.SectionName}:{ex.ParamName}", parameter < 0 ? message : message[..parameter], ex);
        }

        if (credentials is null)
        {
            return client;
        }

        client.Services.AddSingleton(credentials);
        client.Services.Configure<ClientConnectionOptions>(connections => connections.ConfigureConnection(connection =>
        {
            var logger = connection.ApplicationServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(ClusterTlsCredentials).FullName!);
            connection.UseClientTls(credentials.ClientOptions(logger));
        }));
        return client;
    }
}
