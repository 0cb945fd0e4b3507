// A stand-in for a real service: says hello, then stays up until PM2 stops it.
console.log(`${process.env.SERVICE_NAME || 'server'} up in ${process.cwd()} (NODE_ENV=${process.env.NODE_ENV})`);
setInterval(() => {}, 60 * 1000);
process.on('SIGINT', () => process.exit(0));
