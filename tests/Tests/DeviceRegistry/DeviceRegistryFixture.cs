using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansAio.Grains.DeviceRegistry;
using OrleansAio.Protocol.Common;
using OrleansAio.Protocol.DeviceRegistry;
using OrleansAio.Protocol.Session;
using OrleansAio.Tests.Fixtures;

namespace OrleansAio.Tests.DeviceRegistry;

/// <summary>
/// A two-silo <see cref="AioClusterFixture"/> whose silos load <see cref="DefinitionYaml"/> (the public SDK's integration-test
/// resources: devices <c>my-thermostat</c> and <c>test-thermostat</c>, asset <c>my-rest-thermostat-asset</c>) at start-up.
/// </summary>
public class DeviceRegistryFixture : AioClusterFixture, IAsyncLifetime
{
    /// <summary>The connector client id the public SDK's integration tests use.</summary>
    public const string SdkConnectorClientId = "mockconnector-ctemplate-00000000-ss-0";

    /// <summary>The start-up definitions, in the form of the SDK's <c>eng/test/test-adr-resources</c> files.</summary>
    public const string DefinitionYaml = """
        apiVersion: v1
        kind: List
        items:
          - apiVersion: namespaces.deviceregistry.microsoft.com/v1beta1
            kind: Device
            metadata:
              name: my-thermostat
              namespace: azure-iot-operations
            spec:
              attributes:
                deviceId: my-thermostat
                deviceType: thermostat
              enabled: true
              endpoints:
                inbound:
                  my-rest-endpoint:
                    additionalConfiguration: '{"key1": "value1", "nested": {"key2": 2}}'
                    address: http://rest-server-service.azure-iot-operations.svc.cluster.local:80
                    authentication:
                      method: UsernamePassword
                      usernamePasswordCredentials:
                        usernameSecretName: rest-server-auth-creds/username
                        passwordSecretName: rest-server-auth-creds/password
                    endpointType: rest-thermostat
                  my-coap-endpoint:
                    address: coap://thermostat.local/temp
                    authentication:
                      method: Certificate
                      x509Credentials:
                        certificateSecretName: coap-cert
                    trustSettings:
                      trustList: coap-trust
                    endpointType: coap-thermostat
              uuid: 1234-5678-9012-3456
              version: 2
          - apiVersion: namespaces.deviceregistry.microsoft.com/v1beta1
            kind: Device
            metadata:
              name: test-thermostat
            spec:
              enabled: true
              endpoints:
                inbound:
                  my-rest-endpoint:
                    address: http://rest-server-service.azure-iot-operations.svc.cluster.local:80
                    endpointType: rest-thermostat
                  my-coap-endpoint:
                    address: coap://thermostat.local/temp
                    endpointType: coap-thermostat
              version: 3
        ---
        apiVersion: namespaces.deviceregistry.microsoft.com/v1beta1
        kind: Asset
        metadata:
          name: my-rest-thermostat-asset
        spec:
          deviceRef:
            deviceName: my-thermostat
            endpointName: my-rest-endpoint
          datasets:
            - name: thermostat_status
              dataPoints:
                - dataSource: /api/thermostat/current
                  name: currentTemperature
                - dataSource: /api/thermostat/desired
                  name: desiredTemperature
              destinations:
                - configuration:
                    topic: mqtt/machine/status
                    qos: Qos1
                  target: Mqtt
          defaultDatasetsConfiguration: |-
            {"samplingInterval": 4000}
          version: 6
        """;

    private readonly TempDirectory directory = new("device-registry");

    /// <summary>The definition file the silos load.</summary>
    public string DefinitionFile => Path.Combine(directory.Path, "devices.yaml");

    /// <summary>A wire client over a new MQTT session with the given client id.</summary>
    /// <param name="clientId">The MQTT client id (the connector client id of the ADR topics).</param>
    /// <returns>The client and its session (dispose both).</returns>
    public async Task<(AzureDeviceRegistryClient Client, MqttSessionClient Session)> ConnectWireAsync(string clientId)
    {
        var session = new MqttSessionClient(new MqttSessionClientOptions(), NullLoggerFactory.Instance);
        await session.ConnectAsync(MqttSettings(clientId), TestContext.Current.CancellationToken);
        return (new AzureDeviceRegistryClient(new ApplicationContext(), session), session);
    }

    /// <inheritdoc />
    async ValueTask IAsyncLifetime.InitializeAsync()
    {
        await File.WriteAllTextAsync(DefinitionFile, DefinitionYaml);
        await base.InitializeAsync();
    }

    /// <inheritdoc />
    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await base.DisposeAsync();
        directory.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    protected override void ConfigureSilo(ISiloBuilder silo)
    {
        var file = DefinitionFile;
        silo.Services.Configure<DeviceRegistryOptions>(o => o.DefinitionFiles.Add(file));
    }
}
