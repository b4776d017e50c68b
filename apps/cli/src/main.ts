/**
 * The command line of integrators (`lint`, `simulate`) and operators (`db migrate`, `seed`,
 * `user create`, `token issue`, `org list`, `audit verify`, `audit checkpoint`). Pure work
 * happens in the libs; this file only dispatches. Exit codes: 0 done, 1 failed, 2 bad usage or
 * input.
 */
import { lintCommand } from './lint.command.js';
import { simulateCommand } from './simulate.command.js';

const USAGE = `usage:
  cli lint FILE...                          check BPMN templates; one line per problem
  cli simulate TEMPLATE.bpmn SCENARIO.json  run a template against a scripted clock
  cli deploy DIR                            deploy DIR/*.bpmn with DIR/forms/*.form to DATABASE_URL
  cli db migrate                            apply pending migrations to DATABASE_URL
  cli seed [--if-empty]                     write the sample organisation and its dev tokens
  cli user create --name NAME --role ROLE --org ORG_UNIT_ID [--role ROLE --org ORG_UNIT_ID ...]
                  [--member MEMBER_ID] [--label LABEL]
                                            create a user; prints its token once
  cli user create ... --login LOGIN_NAME [--password PASSWORD | --password-stdin]
                                            a person's account (the first admin too: --role admin
                                            --org ROOT); without a password one is generated and
                                            printed once; it must be changed at the first log-in
  cli token issue --user USER_ID [--label LABEL]
                                            another token for a user; printed once
  cli user list [--org UNIT] | user disable --user USER_ID
                                            users (login name, state, grants); disabling
                                            ends their sessions and tokens
  cli token list [--user USER_ID] [--active] | token revoke --token TOKEN_ID
  cli token revoke --well-known             revoke the sample's dev tokens and passwords
  cli org list                              the organisation tree with member counts
  cli org add --id ID --name NAME --kind KIND [--parent PARENT_ID]   (no parent: a root committee)
  cli org rename ID --name NAME | org move ID --to PARENT_ID | org close ID
                                            administer org units (audited as the operator)
  cli member add --org UNIT --name NAME [--gender G] [--birth D] [--admitted D] [--full D]
                 [--status S] [--number 党员编号] [--phone PHONE]
  cli member list [--org UNIT] [--q TEXT] [--status S[,S...]]   members (phone masked)
  cli member transfer MEMBER_ID --to UNIT --reason TEXT
                                            组织关系转接, audited with both units
  cli ledger recount                        recount the roll-up counters from the items, mend drift
  cli import FILE.xlsx|FILE.csv [--org UNIT] [--dry-run] [--reason TEXT]
                                            load members from a roster (花名册, see
                                            docs/import.md); one line per bad row, exit 2
  cli audit verify [--stream STREAM]        recompute the audit trail (or one stream: an
                                            instance id, ledger:<item id>, system); one JSON
                                            line, exit 0 ok, 1 broken
  cli audit checkpoint                      take this period's audit checkpoint now (once per
                                            period), export it and print it`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'lint':
      return lintCommand(args);
    case 'simulate':
      return simulateCommand(args);
    case 'db':
      // Loaded on demand: lint and simulate need no database driver.
      return (await import('./db.command.js')).dbCommand(args);
    case 'deploy':
      return (await import('./deploy.command.js')).deployCommand(args);
    case 'seed':
      return (await import('./seed.command.js')).seedCommand(args);
    case 'user':
      return (await import('./org.command.js')).userCommand(args);
    case 'token':
      return (await import('./org.command.js')).tokenCommand(args);
    case 'org':
      return (await import('./org.command.js')).orgCommand(args);
    case 'member':
      return (await import('./org.command.js')).memberCommand(args);
    case 'audit':
      return (await import('./audit.command.js')).auditCommand(args);
    case 'import':
      return (await import('./import.command.js')).importCommand(args);
    case 'ledger':
      return (await import('./ledger.command.js')).ledgerCommand(args);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command '${command}'\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
