using Amazon.CDK;
using Amazon.CDK.AWS.Cognito;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Groundwork.Infra.Configuration;

namespace Groundwork.Infra.Constructs;

/// <summary>
/// The sign-in gate in front of Metabase and the admin console: a Cognito user pool whose only identity provider is
/// Google, and a trigger that refuses every Google account not on the admin allowlist (the same emails and domains
/// the app checks) -- at first sign-in (pre sign-up: no user is created) and at every token issue or refresh (pre
/// token generation: someone removed from the list gets no new token).
/// </summary>
/// <remarks>
/// Not a <see cref="Construct"/> subclass on purpose: its resources keep the ids they had directly under the app stack.
/// Under a new scope their logical ids would change and CloudFormation would replace the user pool (its users gone,
/// and the new hosted-UI domain would collide with the old one's prefix while both exist).
/// </remarks>
public sealed class AdminSignIn
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

    public AdminSignIn(Construct scope, EnvironmentSettings env)
    {
        var retain = env.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

        // --- The allowlist trigger ------------------------------------------------------------------------------
        var logs = new LogGroup(scope, "AdminAllowlistLogs", new LogGroupProps
        {
            LogGroupName = $"/groundwork/{env.Name}/cognito-admin-allowlist",
            Retention = RetentionDays.ONE_YEAR,
            RemovalPolicy = retain,
        });
        // Least privilege: the function calls nothing in AWS; it may only write its own log group.
        var role = new Role(scope, "AdminAllowlistRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"groundwork-{env.Name} Cognito admin allowlist trigger: writes its own logs, nothing else",
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [logs.LogGroupArn],
        }));
        AllowlistFunction = new Function(scope, "AdminAllowlist", new FunctionProps
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
                ["ALLOWED_EMAILS"] = string.Join(',', env.AdminEmails),
                ["ALLOWED_DOMAINS"] = string.Join(',', env.AdminDomains),
            },
        });

        Nag.Suppress(AllowlistFunction, new NagSuppression("AwsSolutions-L1",
            "python3.14 is the newest Python in the CloudFormation resource schema (cfn-lint 1.51 rejects python3.15 with E3030, though aws-cdk-lib 2.276 lists it); supported until 2029-06-30."));

        // --- The user pool: people sign in with Google only ------------------------------------------------------
        UserPool = new UserPool(scope, "UserPool", new UserPoolProps
        {
            UserPoolName = $"groundwork-{env.Name}",
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
            DeletionProtection = env.RetainData,
            RemovalPolicy = retain,
            LambdaTriggers = new UserPoolTriggers { PreSignUp = AllowlistFunction, PreTokenGeneration = AllowlistFunction },
        });
        // The feature plan matching that choice. Amazon.CDK.Lib 2.160 has no FeaturePlan property (later aws-cdk-lib versions do),
        // so the CloudFormation property is set directly.
        ((CfnUserPool)UserPool.Node.DefaultChild!).AddPropertyOverride("UserPoolTier", "ESSENTIALS");
        Nag.Suppress(UserPool,
            new NagSuppression("AwsSolutions-COG2",
                "Every user signs in through Google (the only IdP of the app client); MFA is enforced by the Google Workspace account, not by Cognito."),
            new NagSuppression("AwsSolutions-COG8",
                "The Plus plan buys threat protection, which covers local users only; every user here is federated through Google (the only IdP of the only client, self sign-up off). Essentials matches AdvancedSecurityMode OFF."));

        // The Google OAuth client is created in the Google console; an operator stores it before the first deploy.
        var googleOAuth = Secret.FromSecretNameV2(scope, "GoogleOAuth", $"{env.SecretPrefix}/google-oauth");
        var google = new UserPoolIdentityProviderGoogle(scope, "Google", new UserPoolIdentityProviderGoogleProps
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
            CognitoDomain = new CognitoDomainOptions { DomainPrefix = $"groundwork-{env.Name}-{env.Account}" },
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
                CallbackUrls = [$"https://{env.Domain}/oauth2/idpresponse", $"https://{env.AnalyticsHost}/oauth2/idpresponse"],
                LogoutUrls = [$"https://{env.Domain}/"],
            },
        });
        Client.Node.AddDependency(google);
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
