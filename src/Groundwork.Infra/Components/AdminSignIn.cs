using Amazon.CDK;
using Amazon.CDK.AWS.Cognito;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Components;

/// <param name="Name">The user pool's name.</param>
/// <param name="DomainPrefix">The hosted UI's prefix (global in the region: include the account).</param>
/// <param name="SignInHosts">Hosts whose ALB rules sign in (their /oauth2/idpresponse callbacks); the first is the logout target.</param>
/// <param name="GoogleOAuthSecretName">The Google OAuth client (JSON: clientId, clientSecret), stored by an operator.</param>
public sealed record AdminSignInProps(string EnvironmentName, string Name, string DomainPrefix, IReadOnlyList<string> SignInHosts,
    string GoogleOAuthSecretName)
{
    /// <summary>Empty refuses everyone.</summary>
    public IReadOnlyList<string> AdminEmails { get; init; } = [];
    public IReadOnlyList<string> AdminDomains { get; init; } = [];
    /// <summary>Users and the trigger's logs survive stack deletion, and the pool has deletion protection.</summary>
    public bool RetainData { get; init; } = true;
}

/// <summary>
/// Admin sign-in (architecture #9, #12): the gate in front of Metabase and the admin console. A Cognito user pool
/// whose only identity provider is Google, and a trigger that refuses every Google account not on the admin allowlist
/// (the same emails and domains the app checks) -- at first sign-in (pre sign-up: no user is created) and at every token issue or refresh (pre
/// token generation: someone removed from the list gets no new token).
/// </summary>
public sealed class AdminSignIn : Component
{
    /// <summary>
    /// A Lambda runtime with support well beyond a year from now: python3.14, deprecated on 2029-06-30 by cfn-lint
    /// 1.51's runtime data (rules E2533/W2531). Amazon.CDK.Lib 2.160 has no constant for it (its newest is
    /// PYTHON_3_12), hence the name. (aws-cdk-lib 2.276 lists python3.15, but the CloudFormation schema does not yet.)
    /// </summary>
    public static readonly Runtime AllowlistRuntime = new("python3.14", RuntimeFamily.PYTHON, new LambdaRuntimeProps { SupportsInlineCode = true });

    /// <summary>The trigger's code, deployed inline; the same file the tests run with the local interpreter.</summary>
    public const string AllowlistSource = "admin_allowlist.py";

    public UserPool UserPool { get; }
    public UserPoolClient Client { get; }
    public UserPoolDomain Domain { get; }
    public Function AllowlistFunction { get; }
    public RoutedListenerRules.CognitoSignIn ForAlb => new(UserPool, Client, Domain);

    public AdminSignIn(Construct scope, string id, AdminSignInProps props) : base(scope, id)
    {
        AllowlistFunction = Allowlist(props);
        UserPool = Pool(props);
        // The Google OAuth client is created in the Google console; an operator stores it before the first deploy.
        var googleOAuth = Secret.FromSecretNameV2(this, "GoogleOAuth", props.GoogleOAuthSecretName);
        var google = new UserPoolIdentityProviderGoogle(this, "Google", new UserPoolIdentityProviderGoogleProps
        {
            UserPool = UserPool,
            ClientId = googleOAuth.SecretValueFromJson("clientId").UnsafeUnwrap(),
            ClientSecretValue = googleOAuth.SecretValueFromJson("clientSecret"),
            Scopes = ["openid", "email", "profile"],
            AttributeMapping = new AttributeMapping
            {
                Email = ProviderAttribute.GOOGLE_EMAIL,
                Fullname = ProviderAttribute.GOOGLE_NAME,
                // The trigger admits verified addresses only. Amazon.CDK.Lib 2.160 has no EmailVerified mapping.
                Custom = new Dictionary<string, ProviderAttribute> { ["email_verified"] = ProviderAttribute.Other("email_verified") },
            },
        });
        Domain = UserPool.AddDomain("HostedUi", new UserPoolDomainOptions
        {
            CognitoDomain = new CognitoDomainOptions { DomainPrefix = props.DomainPrefix },
        });
        Client = UserPool.AddClient("AlbClient", new UserPoolClientOptions
        {
            UserPoolClientName = "alb",
            GenerateSecret = true,
            SupportedIdentityProviders = [UserPoolClientIdentityProvider.GOOGLE],
            OAuth = new OAuthSettings
            {
                Flows = new OAuthFlows { AuthorizationCodeGrant = true },
                Scopes = [OAuthScope.OPENID, OAuthScope.EMAIL],
                CallbackUrls = props.SignInHosts.Select(h => $"https://{h}/oauth2/idpresponse").ToArray(),
                LogoutUrls = [$"https://{props.SignInHosts[0]}/"],
            },
        });
        Client.Node.AddDependency(google);
    }

    /// <summary>The trigger: refuses sign-up and tokens to anyone off the allowlist. It calls nothing in AWS.</summary>
    private Function Allowlist(AdminSignInProps props)
    {
        var logs = new LogGroup(this, "AdminAllowlistLogs", new LogGroupProps
        {
            LogGroupName = $"/groundwork/{props.EnvironmentName}/cognito-admin-allowlist",
            Retention = RetentionDays.ONE_YEAR,
            RemovalPolicy = props.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        });
        // Least privilege: the function may only write its own log group.
        var role = new Role(this, "AdminAllowlistRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"groundwork-{props.EnvironmentName} Cognito admin allowlist trigger: writes its own logs, nothing else",
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [logs.LogGroupArn],
        }));
        var function = new Function(this, "AdminAllowlist", new FunctionProps
        {
            Description = "Refuses Cognito sign-up and tokens to anyone not on the Groundwork admin allowlist",
            Runtime = AllowlistRuntime,
            Handler = "index.handler",
            Code = Code.FromInline(ReadSource()),
            Role = role,
            LogGroup = logs,
            MemorySize = 128,
            Timeout = Duration.Seconds(5),
            Environment = new Dictionary<string, string>
            {
                // Empty lists refuse everyone, as the app's allowlist does.
                ["ALLOWED_EMAILS"] = string.Join(',', props.AdminEmails),
                ["ALLOWED_DOMAINS"] = string.Join(',', props.AdminDomains),
            },
        });
        Nag.Suppress(function, new NagSuppression("AwsSolutions-L1",
            "python3.14 is the newest Python in the CloudFormation resource schema (cfn-lint 1.51 rejects python3.15 with E3030, though aws-cdk-lib 2.276 lists it); supported until 2029-06-30."));
        return function;
    }

    /// <summary>The user pool: people sign in with Google only; self sign-up off; the trigger on sign-up and on every token.</summary>
    private UserPool Pool(AdminSignInProps props)
    {
        var pool = new UserPool(this, "UserPool", new UserPoolProps
        {
            UserPoolName = props.Name,
            SelfSignUpEnabled = false,
            SignInAliases = new SignInAliases { Email = true },
            PasswordPolicy = new PasswordPolicy
            {
                MinLength = 14, RequireDigits = true, RequireLowercase = true, RequireUppercase = true, RequireSymbols = true,
            },
            // Threat protection (advanced security) covers local users only; every user here is federated through
            // Google, so it would add cost and nothing else (docs/decisions.md).
            AdvancedSecurityMode = AdvancedSecurityMode.OFF,
            Mfa = Mfa.OPTIONAL,
            MfaSecondFactor = new MfaSecondFactor { Otp = true, Sms = false },
            AccountRecovery = AccountRecovery.EMAIL_ONLY,
            DeletionProtection = props.RetainData,
            RemovalPolicy = props.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            LambdaTriggers = new UserPoolTriggers { PreSignUp = AllowlistFunction, PreTokenGeneration = AllowlistFunction },
        });
        // The feature plan matching that choice. Amazon.CDK.Lib 2.160 has no FeaturePlan property (later aws-cdk-lib versions do),
        // so the CloudFormation property is set directly.
        ((CfnUserPool)pool.Node.DefaultChild!).AddPropertyOverride("UserPoolTier", "ESSENTIALS");
        Nag.Suppress(pool,
            new NagSuppression("AwsSolutions-COG2",
                "Every user signs in through Google (the only IdP of the app client); MFA is enforced by the Google Workspace account, not by Cognito."),
            new NagSuppression("AwsSolutions-COG8",
                "The Plus plan buys threat protection, which covers local users only; every user here is federated through Google (the only IdP of the only client, self sign-up off). Essentials matches AdvancedSecurityMode OFF."));
        return pool;
    }

    /// <summary>The trigger's source, embedded in this assembly from Functions/admin_allowlist.py.</summary>
    public static string ReadSource()
    {
        using var stream = typeof(AdminSignIn).Assembly.GetManifestResourceStream($"Groundwork.Infra.Functions.{AllowlistSource}")
            ?? throw new InvalidOperationException($"Embedded resource {AllowlistSource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
