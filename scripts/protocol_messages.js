/**
 * Print, as JSON, the chat protocol's messages as src/server/protocol.ts declares
 * them (the client's in src/server/clientMessages.ts): every interface with a `type: '<literal>'` property, by direction
 * (the ClientMessage and ServerMessage unions), with its fields (those of the
 * interfaces it extends included) and whether each is optional.
 *
 * Read with the TypeScript compiler's own parser, so tests/test_contract.py
 * can check the TypeScript side against ci_jupyterlab/agent/contract.json.
 * Usage: node scripts/protocol_messages.js [path/to/protocol.ts] (the client
 * messages are always read from the source tree).
 */
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const file = process.argv[2] || path.join(__dirname, '..', 'src', 'server', 'protocol.ts');
const files = [
  file,
  path.join(__dirname, '..', 'src', 'server', 'clientMessages.ts')
];

const interfaces = new Map();
const unions = new Map();
for (const name of files) {
  read(ts.createSourceFile(name, fs.readFileSync(name, 'utf8'), ts.ScriptTarget.Latest, true));
}

/** Note a file's interfaces and union types. */
function read(source) {
  source.forEachChild(node => {
    if (ts.isInterfaceDeclaration(node)) {
      interfaces.set(node.name.text, node);
    } else if (ts.isTypeAliasDeclaration(node) && ts.isUnionTypeNode(node.type)) {
      unions.set(
        node.name.text,
        node.type.types
          .filter(ts.isTypeReferenceNode)
          .map(reference => reference.typeName.getText())
      );
    }
  });
}

/** The fields of an interface and of those it extends: name → optional. */
function fields(name) {
  const node = interfaces.get(name);
  if (!node) {
    throw new Error(`${file}: no interface ${name}`);
  }
  const found = {};
  for (const clause of node.heritageClauses || []) {
    for (const parent of clause.types) {
      Object.assign(found, fields(parent.expression.getText()));
    }
  }
  for (const member of node.members) {
    if (ts.isPropertySignature(member)) {
      found[member.name.getText()] = Boolean(member.questionToken);
    }
  }
  return found;
}

/** The literal of an interface's `type` field, e.g. 'status'. */
function typeOf(name) {
  const member = interfaces
    .get(name)
    .members.find(m => ts.isPropertySignature(m) && m.name.getText() === 'type');
  if (!member || !member.type || !ts.isLiteralTypeNode(member.type)) {
    throw new Error(`${file}: ${name} has no literal 'type'`);
  }
  return member.type.literal.text;
}

function messages(union) {
  const names = unions.get(union);
  if (!names) {
    throw new Error(`${file}: no union ${union}`);
  }
  const result = {};
  for (const name of names) {
    const { type, ...rest } = fields(name);
    result[typeOf(name)] = rest;
  }
  return result;
}

process.stdout.write(
  JSON.stringify(
    { client: messages('ClientMessage'), server: messages('ServerMessage') },
    null,
    1
  ) + '\n'
);
